import { type Hex, type PublicClient, type TransactionReceipt, TransactionReceiptNotFoundError } from "viem";

/**
 * The receipt of whichever of our transactions for one nonce was mined (newest first): at most
 * one of them can be, as they share the nonce.
 *
 * @param publicClient a public client of the chain they were sent to
 * @param hashes every hash sent for the nonce
 * @returns the receipt, or `undefined` when none is mined (yet)
 */
export async function findSentReceipt(
  publicClient: PublicClient,
  hashes: readonly Hex[],
): Promise<TransactionReceipt | undefined> {
  for (const hash of [...hashes].reverse()) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
  }
  return undefined;
}
