/**
 * fast-check arbitraries for the codec's property tests (a test helper: fast-check is a dev
 * dependency, so only test files import this module).
 */
import fc from "fast-check";
import { type Address, bytesToHex, getAddress } from "viem";
import { MessageType } from "./constants.js";
import type { Message } from "./types.js";

/** `length` random bytes as hex. */
export const bytes = (length: number) =>
  fc.uint8Array({ minLength: length, maxLength: length }).map(bytesToHex);
/** A checksummed address; sometimes the zero or the all-ones address. */
export const address: fc.Arbitrary<Address> = fc.oneof(
  { weight: 8, arbitrary: bytes(20).map((hex) => getAddress(hex)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Address>(`0x${"00".repeat(20)}`, getAddress(`0x${"ff".repeat(20)}`)),
  },
);
/** An unsigned integer of `bits` bits; sometimes 0, 1, max − 1 or max. */
export const uint = (bits: number) => {
  const max = 2n ** BigInt(bits) - 1n;
  return fc.oneof(
    { weight: 6, arbitrary: fc.bigInt({ min: 0n, max }) },
    { weight: 1, arbitrary: fc.constantFrom(0n, 1n, max - 1n, max) },
  );
};
const uint32 = uint(32).map(Number);

/** Any crossmargin message body, every field drawn with its edges (0, 1, max − 1, max). */
export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant(MessageType.BalanceBatch),
    root: bytes(32),
    leafCount: uint32,
    sourceBlock: uint(64),
    sourceTimestamp: uint(64),
  }),
  fc.record({
    type: fc.constant(MessageType.WithdrawalRequest),
    account: address,
    token: address,
    amount: uint(256),
    balanceAfter: uint(256),
    seq: uint(64),
    inboundNonce: uint(64),
  }),
  fc.record({
    type: fc.constantFrom(MessageType.ApproveWithdrawal, MessageType.RejectWithdrawal),
    account: address,
    token: address,
    amount: uint(256),
    requestNonce: uint(64),
  }),
  fc.record({
    type: fc.constant(MessageType.Seize),
    account: address,
    token: address,
    amount: uint(256),
    recipient: address,
  }),
);
