import type { Hex } from "viem";
import type { ChainClients } from "./chainClients.js";
import { depositForMany, type PlannedDeposit } from "./depositForMany.js";

/** Parameters of {@link runDepositWaves}. */
export type RunDepositWavesParameters = {
  /** The vault chains the deposits go to. */
  chains: readonly ChainClients[];
  /** Keys of the paying traders (holding the tokens, vault approved). */
  payers: readonly Hex[];
  deposits: readonly PlannedDeposit[];
  /** Number of waves (each wave: one block per chain). */
  waves: number;
  /** Pause between waves, so the relayer works while deposits keep coming (default 500 ms). */
  pauseMs?: number;
  /** Called before each wave is sent (e.g. to pace the flow by a fault injector), with the wave's index. */
  beforeWave?: (index: number) => Promise<void>;
  /** Called after each wave is mined (e.g. to make it final, or to inject a fault), with the wave's index. */
  afterWave?: (index: number) => Promise<void>;
};

/**
 * Sends the deposits as a flow: `waves` rounds, each one block per chain holding that round's
 * share of `depositFor` calls, with a pause between rounds.
 *
 * @param parameters chains, payers, deposits, pacing
 */
export async function runDepositWaves(parameters: RunDepositWavesParameters): Promise<void> {
  const { deposits, waves } = parameters;
  const size = Math.ceil(deposits.length / waves);
  for (let wave = 0; wave < waves; wave += 1) {
    await parameters.beforeWave?.(wave);
    const share = deposits.slice(wave * size, (wave + 1) * size);
    await Promise.all(
      parameters.chains.map((chain) =>
        depositForMany(chain, {
          payers: parameters.payers,
          deposits: share.filter((d) => d.chainId === chain.chain.chainId),
        }),
      ),
    );
    await parameters.afterWave?.(wave);
    if (wave < waves - 1) await new Promise((resolve) => setTimeout(resolve, parameters.pauseMs ?? 500));
  }
}
