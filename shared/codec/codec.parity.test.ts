import fc from "fast-check";
import { type Address, bytesToHex, concat, encodePacked, type Hex, numberToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { type CallOutcome, type ContractRevert, callOutcome } from "../../test/kit/contractRevert.js";
import { deploy } from "../../test/kit/deploy.js";
import { messageCodecHarnessAbi, messageCodecHarnessBytecode } from "../abis/generated.js";
import { address, bytes, message, uint } from "./arbitraries.js";
import { computeGuid } from "./computeGuid.js";
import { MessageType } from "./constants.js";
import {
  decodeBalanceBatch,
  decodeSeize,
  decodeWithdrawalDecision,
  decodeWithdrawalRequest,
} from "./decodeMessage.js";
import { decodePacket } from "./decodePacket.js";
import { encodeMessage } from "./encodeMessage.js";
import { encodePacket } from "./encodePacket.js";
import {
  InvalidGuidError,
  InvalidMessageLengthError,
  InvalidMessageTypeError,
  InvalidPacketError,
  InvalidPacketVersionError,
} from "./errors.js";
import { messageCodecVectors } from "./messageCodecVectors.js";
import type { Message } from "./types.js";

/**
 * Parity of `shared/codec` with `contracts/src/libraries/MessageCodec.sol`, through
 * `MessageCodecHarness` deployed on a real anvil: same bytes out of both encoders, same fields
 * out of both decoders, same guid, and the same rejection (TS error class ↔ Solidity custom
 * error, with the same arguments) for malformed input.
 */

const RUNS = 200;

let anvil: StartAnvilReturnType;
let harness: Address;

beforeAll(async () => {
  anvil = await startAnvil();
  harness = (await deploy(anvil, { abi: messageCodecHarnessAbi, bytecode: messageCodecHarnessBytecode }))
    .address;
});
afterAll(async () => {
  await anvil?.stop();
});

// ------------------------------------------------------------------ calling the harness

type HarnessRead = Extract<(typeof messageCodecHarnessAbi)[number], { type: "function" }>["name"];

/** `eth_call` of one harness function; the revert decoded. */
function harnessCall(functionName: HarnessRead, args: readonly unknown[]): Promise<CallOutcome<unknown>> {
  return callOutcome(() =>
    anvil.publicClient.readContract({
      address: harness,
      abi: messageCodecHarnessAbi,
      functionName,
      // The harness ABI is typed per function; each caller below passes that function's arguments.
      args: args as never,
    }),
  );
}

/** Encodes `message` with the Solidity encoder of its type. */
async function solidityEncode(message: Message): Promise<unknown> {
  const outcome = await (() => {
    switch (message.type) {
      case MessageType.BalanceBatch:
        return harnessCall("encodeBalanceBatch", [fieldsOf(message)]);
      case MessageType.WithdrawalRequest:
        return harnessCall("encodeWithdrawalRequest", [fieldsOf(message)]);
      case MessageType.ApproveWithdrawal:
      case MessageType.RejectWithdrawal:
        return harnessCall("encodeWithdrawalDecision", [
          message.type === MessageType.ApproveWithdrawal,
          fieldsOf(message),
        ]);
      case MessageType.Seize:
        return harnessCall("encodeSeize", [fieldsOf(message)]);
    }
  })();
  if (!outcome.ok) throw new Error(`Solidity encoder reverted: ${outcome.revert.errorName}`);
  return outcome.value;
}

/** The message's fields without `type` (the Solidity structs have none). */
function fieldsOf(message: Message): Record<string, unknown> {
  const { type: _type, ...fields } = message;
  return fields;
}

// ------------------------------------------------------------------ comparing outcomes

/** The Solidity error each TS codec error stands for, with the same arguments as viem decodes them. */
function expectedRevert(error: unknown): ContractRevert {
  if (error instanceof InvalidPacketError) {
    return { errorName: "MessageCodec_InvalidPacket", args: [BigInt(error.length)] };
  }
  if (error instanceof InvalidPacketVersionError) {
    return { errorName: "MessageCodec_InvalidVersion", args: [error.version] };
  }
  if (error instanceof InvalidGuidError) {
    return { errorName: "MessageCodec_InvalidGuid", args: [error.expected, error.actual] };
  }
  if (error instanceof InvalidMessageTypeError) {
    return { errorName: "MessageCodec_InvalidMessageType", args: [error.expected, error.actual] };
  }
  if (error instanceof InvalidMessageLengthError) {
    return {
      errorName: "MessageCodec_InvalidMessageLength",
      args: [error.messageType, BigInt(error.length)],
    };
  }
  throw error;
}

/** Runs a TS decoder; its value, or the Solidity revert its error corresponds to. */
function tsOutcome<T>(decode: () => T): CallOutcome<T> {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    return { ok: false, revert: expectedRevert(error) };
  }
}

type Decoder = {
  ts: (body: Hex) => Message;
  solidity: HarnessRead;
};
const DECODERS = {
  balanceBatch: { ts: decodeBalanceBatch, solidity: "decodeBalanceBatch" },
  withdrawalRequest: { ts: decodeWithdrawalRequest, solidity: "decodeWithdrawalRequest" },
  withdrawalDecision: { ts: decodeWithdrawalDecision, solidity: "decodeWithdrawalDecision" },
  seize: { ts: decodeSeize, solidity: "decodeSeize" },
} satisfies Record<string, Decoder>;

/** Decodes `body` with both twins of one decoder and expects the same fields or the same revert. */
async function expectSameDecode(decoder: Decoder, body: Hex): Promise<void> {
  const ts = tsOutcome(() => fieldsOf(decoder.ts(body)));
  const solidity = await harnessCall(decoder.solidity, [body]);
  expect(solidity, `${decoder.solidity}(${body})`).toEqual(ts);
}

/** Decodes a packet's header with both twins and expects the same fields or the same revert. */
async function expectSameHeader(packet: Hex): Promise<void> {
  const ts = tsOutcome(() => {
    const { nonce, srcEid, sender, dstEid, receiver, guid } = decodePacket(packet);
    return { nonce, srcEid, sender, dstEid, receiver, guid };
  });
  const solidity = await harnessCall("decodeHeader", [packet]);
  expect(solidity, `decodeHeader(${packet})`).toEqual(ts);
  if (ts.ok) {
    expect(await harnessCall("message", [packet])).toEqual({ ok: true, value: decodePacket(packet).message });
  }
}

// ------------------------------------------------------------------ arbitraries

const uint32 = uint(32).map(Number);
const header = fc.record({
  nonce: uint(64),
  srcEid: uint32,
  sender: address,
  dstEid: uint32,
  receiver: address,
});

/** A body of a length and first byte near the interesting ones (type bytes 0–6, every exact length ± 1). */
const body: fc.Arbitrary<Hex> = fc
  .record({
    type: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 255 })),
    length: fc.oneof(
      fc.constantFrom(1, 52, 53, 54, 80, 81, 82, 92, 93, 94, 120, 121, 122),
      fc.integer({ min: 1, max: 160 }),
    ),
    seed: fc.uint8Array({ minLength: 160, maxLength: 160 }),
  })
  .map(({ type, length, seed }) => bytesToHex(new Uint8Array([type, ...seed.subarray(0, length - 1)])));

// ------------------------------------------------------------------ tests

describe("messageCodecVectors against MessageCodec.sol", () => {
  const vectors = messageCodecVectors();

  it.each(vectors.map((v) => [v.name, v] as const))(
    "%s: bytes, packet, guid and decode agree",
    async (_, v) => {
      expect(await solidityEncode(v.message)).toBe(v.body);
      const { nonce, srcEid, sender, dstEid, receiver } = v.header;
      expect(await harnessCall("encodePacket", [nonce, srcEid, sender, dstEid, receiver, v.body])).toEqual({
        ok: true,
        value: [v.packet, v.guid],
      });
      expect(
        await harnessCall("guidOf", [nonce, srcEid, padAddress(sender), dstEid, padAddress(receiver)]),
      ).toEqual({ ok: true, value: v.guid });
      await expectSameHeader(v.packet);
      const decoder = decoderOf(v.message.type);
      await expectSameDecode(decoder, v.body);
      expect(fieldsOf(decoder.ts(v.body))).toEqual(fieldsOf(v.message));
    },
  );
});

describe("fast-check: TS and Solidity encode and decode identically", () => {
  it("any message and header: same body, packet and guid; each side decodes the other's bytes", async () => {
    await fc.assert(
      fc.asyncProperty(message, header, async (m, h) => {
        const tsBody = encodeMessage(m);
        const solidityBody = await solidityEncode(m);
        expect(solidityBody).toBe(tsBody);
        const { packet, guid } = encodePacket({ ...h, message: tsBody });
        const [solidityPacket, guidOf] = await Promise.all([
          harnessCall("encodePacket", [h.nonce, h.srcEid, h.sender, h.dstEid, h.receiver, tsBody]),
          harnessCall("guidOf", [h.nonce, h.srcEid, padAddress(h.sender), h.dstEid, padAddress(h.receiver)]),
        ]);
        expect(solidityPacket).toEqual({ ok: true, value: [packet, guid] });
        expect(guidOf).toEqual({ ok: true, value: guid });
        await Promise.all([expectSameHeader(packet), expectSameDecode(decoderOf(m.type), tsBody)]);
      }),
      { numRuns: RUNS },
    );
  });

  it("raw bytes32 sender and receiver (high bytes set): same header and guid", async () => {
    await fc.assert(
      fc.asyncProperty(
        uint(64),
        uint32,
        bytes(32),
        uint32,
        bytes(32),
        body,
        async (nonce, src, s, dst, r, m) => {
          const guid = computeGuid({ nonce, srcEid: src, sender: s, dstEid: dst, receiver: r });
          expect(await harnessCall("guidOf", [nonce, src, s, dst, r])).toEqual({ ok: true, value: guid });
          const packet = concat([
            encodePacked(
              ["uint8", "uint64", "uint32", "bytes32", "uint32", "bytes32"],
              [1, nonce, src, s, dst, r],
            ),
            guid,
            m,
          ]);
          await expectSameHeader(packet);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("fast-check: malformed input is rejected by both, with matching errors", () => {
  it("packets cut short, with another version, or with any header or guid byte changed", async () => {
    const mutated = fc
      .record({
        m: message,
        h: header,
        kind: fc.constantFrom("truncate", "version", "flip"),
        at: fc.nat(),
        value: fc.integer({ min: 1, max: 255 }),
      })
      .map(({ m, h, kind, at, value }) => {
        const packet = Buffer.from(encodePacket({ ...h, message: encodeMessage(m) }).packet.slice(2), "hex");
        if (kind === "truncate") return bytesToHex(packet.subarray(0, at % 114));
        const offset = kind === "version" ? 0 : 1 + (at % 112);
        packet[offset] = (packet[offset] ?? 0) ^ value; // value ≠ 0: the byte changes
        return bytesToHex(packet);
      });
    await fc.assert(
      fc.asyncProperty(mutated, async (packet) => {
        const ts = tsOutcome(() => decodePacket(packet));
        expect(ts.ok).toBe(false);
        await expectSameHeader(packet);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(Object.entries(DECODERS))(
    "%s: any non-empty body decodes to the same fields or the same error",
    async (_, decoder) => {
      await fc.assert(
        fc.asyncProperty(body, (b) => expectSameDecode(decoder, b)),
        { numRuns: RUNS / 2 },
      );
    },
  );

  it.each(Object.entries(DECODERS))(
    "%s: an empty body is InvalidMessageType(expected, 0) on both sides",
    async (_, decoder) => {
      await expectSameDecode(decoder, "0x");
    },
  );
});

function decoderOf(type: Message["type"]): Decoder {
  switch (type) {
    case MessageType.BalanceBatch:
      return DECODERS.balanceBatch;
    case MessageType.WithdrawalRequest:
      return DECODERS.withdrawalRequest;
    case MessageType.ApproveWithdrawal:
    case MessageType.RejectWithdrawal:
      return DECODERS.withdrawalDecision;
    case MessageType.Seize:
      return DECODERS.seize;
  }
}

/** An address as a left-padded bytes32 (`MessageCodec.addressToBytes32`), computed independently of the codec. */
function padAddress(a: Address): Hex {
  return numberToHex(BigInt(a), { size: 32 });
}
