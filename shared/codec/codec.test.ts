import fc from "fast-check";
import { type Address, bytesToHex, encodePacked, type Hex, keccak256, pad } from "viem";
import { describe, expect, it } from "vitest";
import { address, message, uint } from "./arbitraries.js";
import { BATCH_NONCE_FLAG, batchNonce, parseBatchNonce } from "./batchNonce.js";
import { computeGuid } from "./computeGuid.js";
import { MessageType } from "./constants.js";
import { decodeBalanceBatch, decodeMessage, decodeSeize, decodeWithdrawalDecision } from "./decodeMessage.js";
import { decodePacket } from "./decodePacket.js";
import {
  encodeBalanceBatch,
  encodeMessage,
  encodeSeize,
  encodeWithdrawalDecision,
  encodeWithdrawalRequest,
} from "./encodeMessage.js";
import { encodePacket } from "./encodePacket.js";
import {
  InvalidCodecValueError,
  InvalidGuidError,
  InvalidMessageLengthError,
  InvalidMessageTypeError,
  InvalidPacketError,
  InvalidPacketVersionError,
  UnknownMessageTypeError,
} from "./errors.js";
import { messageCodecVectors } from "./messageCodecVectors.js";

/** Big-endian hex of `value` in `bytes` bytes, without 0x (built by hand, not by viem). */
const be = (value: bigint | number, bytes: number) =>
  BigInt(value)
    .toString(16)
    .padStart(bytes * 2, "0");
/** An address's 20 bytes as lowercase hex without 0x. */
const raw = (address: string) => address.slice(2).toLowerCase();

const ACCOUNT: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TOKEN: Address = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const RECIPIENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const HUB: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const VAULT: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

describe("message bodies: fixed byte vectors (abi.encodePacked layout)", () => {
  it("BALANCE_BATCH", () => {
    const root: Hex = `0x${"ab".repeat(32)}`;
    const body = encodeBalanceBatch({
      root,
      leafCount: 3,
      sourceBlock: 100n,
      sourceTimestamp: 1_700_000_000n,
    });
    expect(body).toBe(`0x01${"ab".repeat(32)}${be(3, 4)}${be(100, 8)}${be(1_700_000_000, 8)}`);
    expect(body).toBe(
      "0x01abababababababababababababababababababababababababababababababab000000030000000000000064000000006553f100",
    );
    expect((body.length - 2) / 2).toBe(53);
  });

  it("WITHDRAWAL_REQUEST", () => {
    const body = encodeWithdrawalRequest({
      account: ACCOUNT,
      token: TOKEN,
      amount: 250n,
      balanceAfter: 750n,
      seq: 4n,
      inboundNonce: 1n,
    });
    expect(body).toBe(`0x02${raw(ACCOUNT)}${raw(TOKEN)}${be(250, 32)}${be(750, 32)}${be(4, 8)}${be(1, 8)}`);
    expect((body.length - 2) / 2).toBe(121);
  });

  it("APPROVE_WITHDRAWAL and REJECT_WITHDRAWAL", () => {
    const decision = { account: ACCOUNT, token: TOKEN, amount: 10n ** 18n, requestNonce: 7n };
    const tail = `${raw(ACCOUNT)}${raw(TOKEN)}${be(10n ** 18n, 32)}${be(7, 8)}`;
    expect(encodeWithdrawalDecision(true, decision)).toBe(`0x03${tail}`);
    expect(encodeWithdrawalDecision(false, decision)).toBe(`0x04${tail}`);
    expect(encodeMessage({ type: MessageType.RejectWithdrawal, ...decision })).toBe(`0x04${tail}`);
  });

  it("SEIZE", () => {
    const body = encodeSeize({
      account: ACCOUNT,
      token: TOKEN,
      amount: 2n ** 256n - 1n,
      recipient: RECIPIENT,
    });
    expect(body).toBe(`0x05${raw(ACCOUNT)}${raw(TOKEN)}${"ff".repeat(32)}${raw(RECIPIENT)}`);
    expect((body.length - 2) / 2).toBe(93);
  });
});

describe("packets", () => {
  it("lays out the header, guid and message like PacketV1Codec", () => {
    const nonce = batchNonce(100n, 2);
    const message: Hex = "0x01ff";
    const { packet, guid } = encodePacket({
      nonce,
      srcEid: 31338,
      sender: VAULT,
      dstEid: 31337,
      receiver: HUB,
      message,
    });
    const header = `01${be(nonce, 8)}${be(31338, 4)}${be(0, 12)}${raw(VAULT)}${be(31337, 4)}${be(0, 12)}${raw(HUB)}`;
    expect(packet).toBe(`0x${header}${guid.slice(2)}01ff`);
    expect((packet.length - 2) / 2).toBe(113 + 2);
  });

  it("guid equals keccak256(abi.encodePacked(uint64, uint32, bytes32, uint32, bytes32))", () => {
    fc.assert(
      fc.property(
        uint(64),
        uint(32),
        address,
        uint(32),
        address,
        (nonce, srcEid, sender, dstEid, receiver) => {
          const expected = keccak256(
            encodePacked(
              ["uint64", "uint32", "bytes32", "uint32", "bytes32"],
              [nonce, Number(srcEid), pad(sender), Number(dstEid), pad(receiver)],
            ),
          );
          const header = { nonce, srcEid: Number(srcEid), sender, dstEid: Number(dstEid), receiver };
          expect(computeGuid(header)).toBe(expected);
          expect(encodePacket({ ...header, message: "0x05" }).guid).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("round-trips any header and message", () => {
    fc.assert(
      fc.property(
        uint(64),
        uint(32),
        address,
        uint(32),
        address,
        message,
        (nonce, src, sender, dst, receiver, m) => {
          const body = encodeMessage(m);
          const header = { nonce, srcEid: Number(src), sender, dstEid: Number(dst), receiver };
          const { packet, guid } = encodePacket({ ...header, message: body });
          const decoded = decodePacket(packet);
          expect(decoded).toEqual({
            version: 1,
            nonce,
            srcEid: Number(src),
            sender: pad(sender.toLowerCase() as Hex), // lowercase: decoded raw fields are lowercase hex
            senderAddress: sender,
            dstEid: Number(dst),
            receiver: pad(receiver.toLowerCase() as Hex), // as above
            receiverAddress: receiver,
            guid,
            message: body,
          });
          expect(decodeMessage(decoded.message)).toEqual(m);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("accepts Uint8Array input and a bytes32 sender with high bytes (guid over the raw field)", () => {
    const { packet } = encodePacket({
      nonce: 9n,
      srcEid: 1,
      sender: VAULT,
      dstEid: 2,
      receiver: HUB,
      message: "0x05",
    });
    const bytes = Buffer.from(packet.slice(2), "hex");
    bytes[13] = 0xee; // first byte of the sender field
    const sender = bytesToHex(bytes.subarray(13, 45));
    const guid = computeGuid({ nonce: 9n, srcEid: 1, sender, dstEid: 2, receiver: HUB });
    Buffer.from(guid.slice(2), "hex").copy(bytes, 81);
    const decoded = decodePacket(new Uint8Array(bytes));
    expect(decoded.sender).toBe(sender);
    expect(decoded.senderAddress).toBe(VAULT);
    expect(decoded.guid).toBe(guid);
  });
});

describe("decode errors", () => {
  const { packet } = encodePacket({
    nonce: 1n,
    srcEid: 1,
    sender: VAULT,
    dstEid: 2,
    receiver: HUB,
    message: "0x05",
  });
  const mutate = (offset: number, value: number): Hex => {
    const bytes = Buffer.from(packet.slice(2), "hex");
    bytes[offset] = value;
    return `0x${bytes.toString("hex")}`;
  };

  it("rejects a packet without a message byte", () => {
    const short = packet.slice(0, 2 + 113 * 2) as Hex; // a whole number of bytes
    expect(() => decodePacket(short)).toThrow(InvalidPacketError);
    expect(() => decodePacket("0x")).toThrow(/Packet of 0 bytes is too short/);
  });

  it("rejects another version", () => {
    expect(() => decodePacket(mutate(0, 2))).toThrow(InvalidPacketVersionError);
  });

  it("rejects a guid that does not match the header, whether guid or header was changed", () => {
    expect(() => decodePacket(mutate(81, 0x00))).toThrow(InvalidGuidError);
    expect(() => decodePacket(mutate(8, 2))).toThrow(InvalidGuidError); // nonce 1 → 2
    expect(() => decodePacket(mutate(48, 3))).toThrow(InvalidGuidError); // dstEid 2 → 3
  });

  it("rejects malformed hex", () => {
    expect(() => decodePacket("0x123")).toThrow(InvalidCodecValueError);
    expect(() => decodeMessage("0xzz")).toThrow(InvalidCodecValueError);
  });

  it("rejects a body of the wrong type or length, as MessageCodec._expect", () => {
    const seize = encodeSeize({ account: ACCOUNT, token: TOKEN, amount: 1n, recipient: RECIPIENT });
    expect(() => decodeBalanceBatch(seize)).toThrow(new InvalidMessageTypeError(1, 5));
    expect(() => decodeSeize("0x")).toThrow(new InvalidMessageTypeError(5, 0));
    expect(() => decodeSeize(`${seize}00`)).toThrow(InvalidMessageLengthError);
    expect(() => decodeSeize(seize.slice(0, -2) as Hex)).toThrow(/92 bytes long; it must be 93/);
    expect(() => decodeWithdrawalDecision(seize)).toThrow(new InvalidMessageTypeError(3, 5));
    expect(() => decodeMessage("0x")).toThrow(new UnknownMessageTypeError(0));
    expect(() => decodeMessage("0x06")).toThrow(UnknownMessageTypeError);
    expect(() => decodeMessage("0x0100")).toThrow(InvalidMessageLengthError);
  });

  it("marks codec errors non-retryable", () => {
    try {
      decodePacket(mutate(0, 9));
    } catch (error) {
      expect(error).toMatchObject({ retryable: false, name: "InvalidPacketVersionError", version: 9 });
      return;
    }
    throw new Error("expected decodePacket to throw");
  });
});

describe("encode range checks", () => {
  const batch = { root: `0x${"00".repeat(32)}` as Hex, leafCount: 1, sourceBlock: 1n, sourceTimestamp: 1n };

  it("rejects values that do not fit their Solidity type", () => {
    expect(() => encodeBalanceBatch({ ...batch, leafCount: 2 ** 32 })).toThrow(
      /leafCount: expected a uint32/,
    );
    expect(() => encodeBalanceBatch({ ...batch, sourceBlock: 2n ** 64n })).toThrow(InvalidCodecValueError);
    expect(() => encodeBalanceBatch({ ...batch, root: "0x1234" })).toThrow(/root: expected 32 bytes of hex/);
    expect(() => encodeSeize({ account: ACCOUNT, token: TOKEN, amount: -1n, recipient: RECIPIENT })).toThrow(
      /amount: expected a uint256/,
    );
    expect(() =>
      encodeSeize({ account: "0x1234" as Address, token: TOKEN, amount: 1n, recipient: RECIPIENT }),
    ).toThrow(/account: expected an address/);
    expect(() =>
      encodePacket({ nonce: 2n ** 64n, srcEid: 1, sender: VAULT, dstEid: 2, receiver: HUB, message: "0x05" }),
    ).toThrow(/nonce: expected a uint64/);
    expect(() =>
      encodePacket({ nonce: 1n, srcEid: 2 ** 32, sender: VAULT, dstEid: 2, receiver: HUB, message: "0x05" }),
    ).toThrow(/srcEid: expected a uint32/);
  });

  it("accepts an address in any case and decodes it checksummed", () => {
    const body = encodeSeize({
      account: ACCOUNT.toLowerCase() as Address, // lowercase on purpose
      token: TOKEN,
      amount: 1n,
      recipient: RECIPIENT,
    });
    expect(decodeSeize(body).account).toBe(ACCOUNT);
  });
});

describe("batchNonce", () => {
  it("sets the top bit and packs block and index", () => {
    expect(batchNonce(100n, 2)).toBe(2n ** 63n + 100n * 65536n + 2n);
    expect(batchNonce(0, 0)).toBe(BATCH_NONCE_FLAG);
    expect(batchNonce(2n ** 47n - 1n, 65535)).toBe(2n ** 64n - 1n);
  });

  it("rejects an index ≥ 65536 or a block ≥ 2^47", () => {
    expect(() => batchNonce(1n, 65536)).toThrow(/index: expected 0 ≤ n < 65536/);
    expect(() => batchNonce(2n ** 47n, 0)).toThrow(/sourceBlock: expected 0 ≤ n < 2\^47/);
    expect(() => batchNonce(-1n, 0)).toThrow(InvalidCodecValueError);
    expect(() => batchNonce(1, 0.5)).toThrow(InvalidCodecValueError);
  });

  it("parseBatchNonce inverts it and rejects ordered nonces", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 47n - 1n }),
        fc.integer({ min: 0, max: 65535 }),
        (block, index) => {
          const nonce = batchNonce(block, index);
          expect(nonce < 2n ** 64n).toBe(true);
          expect(parseBatchNonce(nonce)).toEqual({ sourceBlock: block, index });
        },
      ),
    );
    expect(parseBatchNonce(5n)).toBeUndefined();
    expect(parseBatchNonce(2n ** 64n)).toBeUndefined();
  });
});

describe("messageCodecVectors", () => {
  it("covers every message type and decodes back to its fields", () => {
    const vectors = messageCodecVectors();
    expect(new Set(vectors.map((v) => v.message.type))).toEqual(new Set([1, 2, 3, 4, 5]));
    for (const vector of vectors) {
      expect(decodeMessage(vector.body)).toEqual(vector.message);
      const decoded = decodePacket(vector.packet);
      expect(decoded.guid).toBe(vector.guid);
      expect(decoded.nonce).toBe(vector.header.nonce);
      expect(decoded.message).toBe(vector.body);
    }
  });

  it("is stable: the first vector's packet is pinned", () => {
    const [first] = messageCodecVectors();
    const nonce = be(2n ** 63n + 100n * 65536n + 2n, 8);
    expect(first?.packet.slice(0, 2 + 81 * 2)).toBe(
      `0x01${nonce}${be(31338, 4)}${be(0, 12)}${raw(VAULT)}${be(31337, 4)}${be(0, 12)}${raw(HUB)}`,
    );
    expect(first?.body).toBe(`0x01${"11".repeat(32)}${be(3, 4)}${be(100, 8)}${be(1_700_000_000, 8)}`);
  });
});
