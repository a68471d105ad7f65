import {
  concat,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  numberToHex,
  recoverAddress,
  serializeSignature,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { encodePacket } from "../codec/encodePacket.js";
import { attestationDomain, attestationTypes } from "./attestationDomain.js";
import { DuplicateSignerError, InvalidSignatureError, MalleableSignatureError } from "./errors.js";
import { hashAttestation } from "./hashAttestation.js";
import { recoverAttester } from "./recoverAttester.js";
import { signAttestation } from "./signAttestation.js";
import { SECP256K1_N, splitSignature } from "./signature.js";
import { sortSignatures } from "./sortSignatures.js";

const HUB = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const domain = attestationDomain({ chainId: 31337, verifyingContract: HUB });
const { packet } = encodePacket({
  nonce: 1n,
  srcEid: 31338,
  sender: VAULT,
  dstEid: 31337,
  receiver: HUB,
  message: "0x05",
});
/** Anvil's first three default keys. */
const KEYS: Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];

describe("attestation EIP-712", () => {
  it("domain and types match QuorumVerifier", () => {
    expect(domain).toEqual({ name: "crossmargin", version: "1", chainId: 31337, verifyingContract: HUB });
    expect(attestationTypes).toEqual({ Attestation: [{ name: "packetHash", type: "bytes32" }] });
  });

  it("digest equals keccak256(0x1901 ‖ domainSeparator ‖ structHash), computed by hand", () => {
    const domainTypeHash = keccak256(
      toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
    );
    const domainSeparator = keccak256(
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "uint256" },
          { type: "address" },
        ],
        [domainTypeHash, keccak256(toHex("crossmargin")), keccak256(toHex("1")), 31337n, HUB],
      ),
    );
    const structHash = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "bytes32" }],
        [keccak256(toHex("Attestation(bytes32 packetHash)")), keccak256(packet)],
      ),
    );
    expect(hashAttestation(domain, packet)).toBe(keccak256(concat(["0x1901", domainSeparator, structHash])));
  });

  it("digest depends on chain, contract and packet", () => {
    const digest = hashAttestation(domain, packet);
    expect(hashAttestation({ ...domain, chainId: 31338 }, packet)).not.toBe(digest);
    expect(hashAttestation({ ...domain, verifyingContract: VAULT }, packet)).not.toBe(digest);
    expect(hashAttestation(domain, `${packet}00`)).not.toBe(digest);
  });
});

describe("signAttestation / recoverAttester", () => {
  it("signs a 65-byte low-s signature with v 27/28 that recovers to the signer", async () => {
    for (let i = 0; i < 20; i++) {
      const key = generatePrivateKey();
      const signature = await signAttestation(key, domain, packet);
      const { s, v } = splitSignature(signature);
      expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
      expect(s <= SECP256K1_N / 2n).toBe(true);
      expect([27, 28]).toContain(v);
      const signer = privateKeyToAccount(key).address;
      expect(await recoverAttester(domain, packet, signature)).toBe(signer);
      expect(await recoverAddress({ hash: hashAttestation(domain, packet), signature })).toBe(signer);
    }
  });

  it("accepts an account as signer and recovers someone else under another domain", async () => {
    const account = privateKeyToAccount(KEYS[0]!);
    const signature = await signAttestation(account, domain, packet);
    expect(await recoverAttester(domain, packet, signature)).toBe(account.address);
    expect(await recoverAttester({ ...domain, chainId: 1 }, packet, signature)).not.toBe(account.address);
  });

  it("rejects a malleated (high-s) signature, a bad v and a bad length", async () => {
    const signature = await signAttestation(KEYS[1]!, domain, packet);
    const { r, s, v } = splitSignature(signature);
    const high = serializeSignature({
      r: numberToHex(r, { size: 32 }),
      s: numberToHex(SECP256K1_N - s, { size: 32 }),
      yParity: v === 27 ? 1 : 0,
    });
    await expect(recoverAttester(domain, packet, high)).rejects.toThrow(MalleableSignatureError);
    // The high-s twin is a valid ECDSA signature by the same key: only the explicit check rejects it.
    expect(await recoverAddress({ hash: hashAttestation(domain, packet), signature: high })).toBe(
      privateKeyToAccount(KEYS[1]!).address,
    );
    await expect(recoverAttester(domain, packet, `${signature.slice(0, -2)}01` as Hex)).rejects.toThrow(
      /v must be 27 or 28, got 1/,
    );
    await expect(recoverAttester(domain, packet, signature.slice(0, -2) as Hex)).rejects.toThrow(
      InvalidSignatureError,
    );
  });
});

describe("sortSignatures", () => {
  it("orders by ascending signer address and concatenates", async () => {
    const entries = await Promise.all(
      KEYS.map(async (key) => ({
        signer: privateKeyToAccount(key).address,
        signature: await signAttestation(key, domain, packet),
      })),
    );
    const ascending = [...entries].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
    expect(ascending.map((e) => e.signer)).not.toEqual(entries.map((e) => e.signer)); // the test needs a reorder
    const blob = sortSignatures(entries);
    expect(blob).toBe(`0x${ascending.map((e) => e.signature.slice(2)).join("")}`);
    expect((blob.length - 2) / 2).toBe(65 * 3);
    const recovered = await Promise.all(
      [0, 1, 2].map((i) =>
        recoverAttester(domain, packet, `0x${blob.slice(2 + i * 130, 2 + (i + 1) * 130)}`),
      ),
    );
    expect(recovered).toEqual(ascending.map((e) => e.signer));
  });

  it("compares addresses as numbers, whatever their case", () => {
    const sig = (byte: string): Hex => `0x${byte.repeat(64)}1b`;
    const blob = sortSignatures([
      { signer: getAddress("0xbb00000000000000000000000000000000000000"), signature: sig("bb") },
      { signer: "0x0a00000000000000000000000000000000000000", signature: sig("0a") },
    ]);
    expect(blob).toBe(`${sig("0a")}${sig("bb").slice(2)}`);
    expect(sortSignatures([])).toBe("0x");
  });

  it("rejects a duplicate signer and a malformed signature", () => {
    const signer = privateKeyToAccount(KEYS[0]!).address;
    const signature: Hex = `0x${"11".repeat(64)}1b`;
    expect(() =>
      sortSignatures([
        { signer, signature },
        { signer: signer.toLowerCase() as Hex, signature }, // same signer, other case
      ]),
    ).toThrow(DuplicateSignerError);
    expect(() => sortSignatures([{ signer, signature: "0x1234" }])).toThrow(InvalidSignatureError);
  });
});
