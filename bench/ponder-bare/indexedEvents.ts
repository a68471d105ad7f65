/**
 * Every event the real indexer handles (its `ponder.on` calls in `indexer/src`, block handlers
 * aside): the bare baseline handles the same ones. `prepareBareRoot` checks the two lists match.
 */
export const INDEXED_EVENTS = [
  "CollateralVault:ClaimRecorded",
  "CollateralVault:Claimed",
  "CollateralVault:CommandApplied",
  "CollateralVault:Deposited",
  "CollateralVault:PacketSent",
  "CollateralVault:Seized",
  "CollateralVault:WithdrawalRejected",
  "CollateralVault:WithdrawalReleased",
  "CollateralVault:WithdrawalRequested",
  "MarginHub:BalanceCredited",
  "MarginHub:BatchApplied",
  "MarginHub:CollateralConfigured",
  "MarginHub:Liquidated",
  "MarginHub:PacketSent",
  "MarginHub:RootStored",
  "MarginHub:SeizeOrdered",
  "MarginHub:WithdrawalDecided",
  "MarginHub:WithdrawalRequestReceived",
  "PerpMarket:PositionClosed",
  "PerpMarket:PositionLiquidated",
  "PerpMarket:PositionOpened",
  "PriceFeed:AnswerUpdated",
] as const;
