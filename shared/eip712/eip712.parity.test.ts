import fc from "fast-check";
import { type Address, bytesToHex, concat, type Hex, numberToHex, slice } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS, anvilKey, type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { type CallOutcome, callOutcome } from "../../test/kit/contractRevert.js";
import { type DeployHubReturnType, deployHub, type HubAttester } from "../../test/kit/deployHub.js";
import { marginHubAbi } from "../abis/generated.js";
import { attestationDomain } from "./attestationDomain.js";
import { DuplicateSignerError, MalleableSignatureError } from "./errors.js";
import { hashAttestation } from "./hashAttestation.js";
import { recoverAttester } from "./recoverAttester.js";
import { signAttestation } from "./signAttestation.js";
import { SECP256K1_N, splitSignature } from "./signature.js";
import { sortSignatures } from "./sortSignatures.js";

/**
 * Parity of `shared/eip712` with `QuorumVerifier` on a deployed `MarginHub` (2-of-3 attesters,
 * anvil keys 1–3): the digest, and which signature sets the contract accepts or rejects with
 * which custom error.
 */

let anvil: StartAnvilReturnType;
let hub: DeployHubReturnType;
/** Anvil keys that are not attesters. */
const OUTSIDERS = [anvilKey(4), anvilKey(5)] as const;

beforeAll(async () => {
  anvil = await startAnvil();
  hub = await deployHub(anvil, { attesterKeys: ANVIL_KEYS.slice(1, 4), threshold: 2 });
});
afterAll(async () => {
  await anvil?.stop();
});

/** The hub's `i`-th attester (ascending). */
function attester(i: number): HubAttester {
  const found = hub.attesters[i];
  if (!found) throw new Error(`the hub has no attester ${i}`);
  return found;
}

const domain = () => attestationDomain({ chainId: anvil.chainId, verifyingContract: hub.address });

function verify(packet: Hex, signatures: Hex): Promise<CallOutcome<unknown>> {
  return callOutcome(() =>
    anvil.publicClient.readContract({
      address: hub.address,
      abi: marginHubAbi,
      functionName: "verifyAttestation",
      args: [packet, signatures],
    }),
  );
}

async function signBy(attesters: readonly HubAttester[], packet: Hex) {
  return Promise.all(
    attesters.map(async (a) => ({
      signer: a.address,
      key: a.key,
      signature: await signAttestation(a.key, domain(), packet),
    })),
  );
}

/** The low-s signature's malleable twin: (r, n − s) with the other v. */
function malleate(signature: Hex): Hex {
  const { r, s, v } = splitSignature(signature);
  return concat([
    numberToHex(r, { size: 32 }),
    numberToHex(SECP256K1_N - s, { size: 32 }),
    v === 27 ? "0x1c" : "0x1b",
  ]);
}

const packetArb = fc.uint8Array({ minLength: 0, maxLength: 400 }).map(bytesToHex);

describe("attestationDigest", () => {
  it("equals hashAttestation(attestationDomain({ chainId, verifyingContract }), packet) for any bytes", async () => {
    await fc.assert(
      fc.asyncProperty(packetArb, async (packet) => {
        const onChain = await anvil.publicClient.readContract({
          address: hub.address,
          abi: marginHubAbi,
          functionName: "attestationDigest",
          args: [packet],
        });
        expect(onChain).toBe(hashAttestation(domain(), packet));
        // The domain binds chain and contract: neither another chain's nor another contract's digest matches.
        const otherChain = attestationDomain({ chainId: anvil.chainId + 1, verifyingContract: hub.address });
        const otherContract = attestationDomain({
          chainId: anvil.chainId,
          verifyingContract: OTHER_CONTRACT,
        });
        expect(onChain).not.toBe(hashAttestation(otherChain, packet));
        expect(onChain).not.toBe(hashAttestation(otherContract, packet));
      }),
      { numRuns: 200 },
    );
  });
});

const OTHER_CONTRACT: Address = "0x000000000000000000000000000000000000dEaD";

describe("verifyAttestation", () => {
  it("accepts sortSignatures of any 2-of-3 or 3-of-3 set, and recoverAttester names each signer", async () => {
    await fc.assert(
      fc.asyncProperty(packetArb, fc.subarray([0, 1, 2], { minLength: 2 }), async (packet, chosen) => {
        const signers = chosen.map((i) => attester(i));
        const signed = await signBy(signers, packet);
        // Given in reverse so sortSignatures has real work.
        expect(await verify(packet, sortSignatures([...signed].reverse()))).toEqual({
          ok: true,
          value: undefined,
        });
        for (const { signer, signature } of signed) {
          expect(await recoverAttester(domain(), packet, signature)).toBe(signer);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("rejects them unsorted, one short, duplicated, malleated, by an outsider or for another domain", async () => {
    await fc.assert(
      fc.asyncProperty(
        packetArb,
        fc.subarray([0, 1, 2], { minLength: 2, maxLength: 2 }),
        async (packet, pair) => {
          const [low, high] = await signBy(
            pair.map((i) => attester(i)),
            packet,
          );
          if (!low || !high) throw new Error("two signatures expected");
          const sorted = sortSignatures([low, high]);
          expect(sorted).toBe(concat([low.signature, high.signature])); // attesters are sorted already

          expect(await verify(packet, concat([high.signature, low.signature]))).toEqual(
            revert("QuorumVerifier_SignersNotAscending", 1n, low.signer),
          );
          expect(await verify(packet, low.signature)).toEqual(
            revert("QuorumVerifier_BelowThreshold", 1n, 2n),
          );
          expect(await verify(packet, "0x")).toEqual(revert("QuorumVerifier_BelowThreshold", 0n, 2n));
          expect(await verify(packet, slice(sorted, 0, 129))).toEqual(
            revert("QuorumVerifier_InvalidSignatureLength", 129n),
          );

          expect(() => sortSignatures([low, low])).toThrow(DuplicateSignerError);
          expect(await verify(packet, concat([low.signature, low.signature]))).toEqual(
            revert("QuorumVerifier_SignersNotAscending", 1n, low.signer),
          );

          const malleated = malleate(high.signature);
          await expect(recoverAttester(domain(), packet, malleated)).rejects.toThrow(MalleableSignatureError);
          expect(await verify(packet, concat([low.signature, malleated]))).toEqual(
            revert("QuorumVerifier_MalleableSignature", 1n),
          );

          const outsider = OUTSIDERS[pair[0] === 0 ? 0 : 1]; // both outsiders get their turn
          const outsiderSigned = {
            signer: privateKeyToAccount(outsider).address,
            signature: await signAttestation(outsider, domain(), packet),
          };
          const withOutsider = sortSignatures([low, outsiderSigned]);
          const outsiderIndex = BigInt(outsiderSigned.signer) < BigInt(low.signer) ? 0n : 1n;
          expect(await verify(packet, withOutsider)).toEqual(
            revert("QuorumVerifier_UnknownSigner", outsiderIndex, outsiderSigned.signer),
          );

          // Signed for another chain: the hub recovers some other address, never a quorum.
          const otherChain = attestationDomain({
            chainId: anvil.chainId + 1,
            verifyingContract: hub.address,
          });
          const foreign = await signAttestation(high.key, otherChain, packet);
          const recovered = await recoverAttester(domain(), packet, foreign);
          expect(recovered).not.toBe(high.signer);
          const outcome = await verify(packet, concat([low.signature, foreign]));
          expect(outcome).toEqual(
            BigInt(recovered) <= BigInt(low.signer)
              ? revert("QuorumVerifier_SignersNotAscending", 1n, recovered)
              : revert("QuorumVerifier_UnknownSigner", 1n, recovered),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

function revert(errorName: string, ...args: unknown[]): CallOutcome<unknown> {
  return { ok: false, revert: { errorName, args } };
}
