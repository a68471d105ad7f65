import type { Address, Hex } from "viem";
import { collateralVaultAbi, marginHubAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import { type KeyFacts, keyOf, type MixedFacts, type MixedLedger } from "./mixedLedger.js";
import { readKeyState } from "./readKeyState.js";

const KEYS_AT_ONCE = 16;

/** Parameters of {@link readMixedFacts}. */
export type ReadMixedFactsParameters = {
  hub: ChainClients;
  /** Every chain the ledger touched (vault chains). */
  chains: readonly ChainClients[];
  ledger: MixedLedger;
};

/**
 * Reads, from the chains themselves, every fact `checkLedger` needs: the hub's request, decision,
 * packet and credit events, each vault's applied commands, releases, rejections and seizes, and
 * the vault state, hub credit, outstanding seizes and wallet balance of every key the ledger
 * touched (all at each chain's latest block).
 *
 * @param parameters hub, chains, ledger
 * @returns the facts
 */
export async function readMixedFacts(parameters: ReadMixedFactsParameters): Promise<MixedFacts> {
  const { hub, chains, ledger } = parameters;
  const hubAddress = hub.chain.contracts.hub;
  if (hubAddress === undefined) throw new Error("readMixedFacts: the hub chain has no MarginHub");
  const onHub = { address: hubAddress, abi: marginHubAbi, fromBlock: 0n, strict: true } as const;
  const [received, decided, sent, credited] = await Promise.all([
    hub.publicClient.getContractEvents({ ...onHub, eventName: "WithdrawalRequestReceived" }),
    hub.publicClient.getContractEvents({ ...onHub, eventName: "WithdrawalDecided" }),
    hub.publicClient.getContractEvents({ ...onHub, eventName: "PacketSent" }),
    hub.publicClient.getContractEvents({ ...onHub, eventName: "BalanceCredited" }),
  ]);
  const facts: MixedFacts = {
    received: count(received.map((e) => e.args.guid)),
    decisions: new Map(),
    commandNonces: new Map(sent.map((e) => [e.args.guid, e.args.nonce])),
    applied: new Map(),
    releases: new Map(),
    rejections: new Map(),
    seized: new Map(),
    keys: new Map(),
  };
  for (const { args } of decided) {
    const list = facts.decisions.get(args.requestGuid) ?? [];
    list.push({ approved: args.approved, commandGuid: args.commandGuid });
    facts.decisions.set(args.requestGuid, list);
  }
  await Promise.all(chains.map((chain) => readVaultEvents(chain, facts)));

  const seqs = new Map<string, bigint[]>();
  for (const { args } of credited) {
    const key = keyOf(Number(args.chainId), args.account, args.token);
    seqs.set(key, [...(seqs.get(key) ?? []), BigInt(args.seq)]);
  }
  const keys = new Map<string, { chainId: number; account: Address; token: Address }>();
  for (const d of ledger.deposits) keys.set(keyOf(d.chainId, d.account, d.token), d);
  // A few keys at a time: hundreds of reads at once time out on a busy anvil.
  const entries = [...keys];
  for (let i = 0; i < entries.length; i += KEYS_AT_ONCE) {
    await Promise.all(
      entries.slice(i, i + KEYS_AT_ONCE).map(async ([key, { chainId, account, token }]) => {
        const chain = chains.find((c) => c.chain.chainId === chainId);
        if (chain === undefined) throw new Error(`readMixedFacts: no clients for chain ${chainId}`);
        facts.keys.set(key, await readKey(hub, chain, account, token, seqs.get(key) ?? []));
      }),
    );
  }
  return facts;
}

async function readVaultEvents(chain: ChainClients, facts: MixedFacts): Promise<void> {
  const onVault = {
    address: chain.chain.contracts.vault,
    abi: collateralVaultAbi,
    fromBlock: 0n,
    strict: true,
  } as const;
  const [applied, released, rejected, seized] = await Promise.all([
    chain.publicClient.getContractEvents({ ...onVault, eventName: "CommandApplied" }),
    chain.publicClient.getContractEvents({ ...onVault, eventName: "WithdrawalReleased" }),
    chain.publicClient.getContractEvents({ ...onVault, eventName: "WithdrawalRejected" }),
    chain.publicClient.getContractEvents({ ...onVault, eventName: "Seized" }),
  ]);
  const id = chain.chain.chainId;
  for (const { args } of applied) bump(facts.applied, `${id}:${args.guid}`);
  for (const { args } of rejected) bump(facts.rejections, `${id}:${args.commandNonce}`);
  for (const { args } of released) {
    const at = `${id}:${args.commandNonce}`;
    facts.releases.set(at, [...(facts.releases.get(at) ?? []), args]);
  }
  for (const { args } of seized) {
    const at = `${id}:${args.commandNonce}`;
    facts.seized.set(at, [...(facts.seized.get(at) ?? []), args]);
  }
}

async function readKey(
  hub: ChainClients,
  chain: ChainClients,
  account: Address,
  token: Address,
  creditedSeqs: bigint[],
): Promise<KeyFacts> {
  const [state, wallet] = await Promise.all([
    readKeyState({ hub, chain, account, token }),
    chain.publicClient.readContract({
      address: token,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [account],
    }),
  ]);
  return {
    vault: { balance: state.vault.balance, pending: state.vault.pending, seq: state.vault.seq },
    credit: state.credit,
    outstanding: state.outstanding.amount,
    wallet,
    creditedSeqs,
  };
}

function count(values: readonly Hex[]): Map<Hex, number> {
  const counts = new Map<Hex, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
