import { getAddress } from "viem";
import { describe, expect, test } from "vitest";
import { batchNonce } from "../../shared/codec/batchNonce.js";
import {
  encodeBalanceBatch,
  encodeSeize,
  encodeWithdrawalDecision,
  encodeWithdrawalRequest,
} from "../../shared/codec/encodeMessage.js";
import { encodePacket } from "../../shared/codec/encodePacket.js";
import { commandGuid } from "./commandGuid.js";
import { describePacket } from "./describePacket.js";

const HUB_CHAIN = 31337;
const VAULT_CHAIN = 31338;
const HUB = getAddress("0x5fc8d32690cc91d4c39d9d3abcbd16989f875707");
const VAULT = getAddress("0x610178da211fef7d417bc0e6fed39f05609ad788");
const ACCOUNT = getAddress("0x976ea74026e726554db657fa54763abd0c3a0aa9");
const TOKEN = getAddress("0x0165878a594ca255338adfa4d48449f69242eb8f");
const toHub = { srcEid: VAULT_CHAIN, sender: VAULT, dstEid: HUB_CHAIN, receiver: HUB };
const toVault = { srcEid: HUB_CHAIN, sender: HUB, dstEid: VAULT_CHAIN, receiver: VAULT };

describe("describePacket", () => {
  test("a withdrawal request: kind, path, account, token, amount (lowercase hex)", () => {
    const message = encodeWithdrawalRequest({
      account: ACCOUNT,
      token: TOKEN,
      amount: 5n,
      balanceAfter: 7n,
      seq: 3n,
      inboundNonce: 0n,
    });
    const { packet, guid } = encodePacket({ ...toHub, nonce: 4n, message });
    expect(describePacket(packet)).toEqual({
      kind: "withdrawal_request",
      guid,
      nonce: 4n,
      srcEid: VAULT_CHAIN,
      dstEid: HUB_CHAIN,
      sender: VAULT.toLowerCase(),
      receiver: HUB.toLowerCase(),
      account: ACCOUNT.toLowerCase(),
      token: TOKEN.toLowerCase(),
      amount: 5n,
    });
  });

  test("a decision names the guid of the request it answers (the reverse path and its nonce)", () => {
    const request = encodePacket({
      ...toHub,
      nonce: 9n,
      message: encodeWithdrawalRequest({
        account: ACCOUNT,
        token: TOKEN,
        amount: 5n,
        balanceAfter: 0n,
        seq: 1n,
        inboundNonce: 0n,
      }),
    });
    for (const approve of [true, false]) {
      const message = encodeWithdrawalDecision(approve, {
        account: ACCOUNT,
        token: TOKEN,
        amount: 5n,
        requestNonce: 9n,
      });
      const { packet } = encodePacket({ ...toVault, nonce: 2n, message });
      expect(describePacket(packet)).toMatchObject({
        kind: approve ? "approve_withdrawal" : "reject_withdrawal",
        requestGuid: request.guid,
        amount: 5n,
      });
    }
  });

  test("a seize and a balance batch", () => {
    const seize = encodePacket({
      ...toVault,
      nonce: 1n,
      message: encodeSeize({ account: ACCOUNT, token: TOKEN, amount: 3n, recipient: HUB }),
    });
    expect(describePacket(seize.packet)).toMatchObject({
      kind: "seize",
      account: ACCOUNT.toLowerCase(),
      amount: 3n,
    });
    const root = `0x${"ab".repeat(32)}` as const;
    const batch = encodePacket({
      ...toHub,
      nonce: batchNonce(100n, 2),
      message: encodeBalanceBatch({ root, leafCount: 4, sourceBlock: 100n, sourceTimestamp: 1_700_000_000n }),
    });
    expect(describePacket(batch.packet)).toMatchObject({
      kind: "balance_batch",
      sourceBlock: 100n,
      sourceTimestamp: 1_700_000_000n,
    });
  });

  test("commandGuid is the guid of the hub's command packet with that nonce", () => {
    const message = encodeSeize({ account: ACCOUNT, token: TOKEN, amount: 3n, recipient: HUB });
    const { guid } = encodePacket({ ...toVault, nonce: 12n, message });
    expect(
      commandGuid({ hubChainId: HUB_CHAIN, hub: HUB, chainId: VAULT_CHAIN, vault: VAULT, nonce: 12n }),
    ).toBe(guid);
  });

  test("bytes that are not a packet throw", () => {
    expect(() => describePacket("0x1234")).toThrow();
  });
});
