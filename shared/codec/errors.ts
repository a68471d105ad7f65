import { NonRetryableError } from "../errors/BaseError.js";

/** A packet shorter than its 113-byte header plus a one-byte message (`MessageCodec_InvalidPacket`). */
export class InvalidPacketError extends NonRetryableError {
  override name = "InvalidPacketError";
  /** Length of the rejected packet in bytes. */
  readonly length: number;
  /** @param length the packet's length in bytes */
  constructor(length: number) {
    super(`Packet of ${length} bytes is too short: a packet needs a 113-byte header and a message.`);
    this.length = length;
  }
}

/** A packet whose version byte is not 1 (`MessageCodec_InvalidVersion`). */
export class InvalidPacketVersionError extends NonRetryableError {
  override name = "InvalidPacketVersionError";
  /** The version byte found. */
  readonly version: number;
  /** @param version the version byte found */
  constructor(version: number) {
    super(`Packet version ${version} is not supported (expected 1).`);
    this.version = version;
  }
}

/** A packet whose guid does not match its header (`MessageCodec_InvalidGuid`). */
export class InvalidGuidError extends NonRetryableError {
  override name = "InvalidGuidError";
  /** The guid derived from the header. */
  readonly expected: string;
  /** The guid the packet carries. */
  readonly actual: string;
  /**
   * @param expected the guid derived from the header
   * @param actual the guid the packet carries
   */
  constructor(expected: string, actual: string) {
    super("Packet guid does not match its header.", {
      metaMessages: [`expected: ${expected}`, `actual:   ${actual}`],
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** A message body whose type byte is not the one expected (`MessageCodec_InvalidMessageType`). */
export class InvalidMessageTypeError extends NonRetryableError {
  override name = "InvalidMessageTypeError";
  /** The type expected. */
  readonly expected: number;
  /** The type byte found (0 for an empty body). */
  readonly actual: number;
  /**
   * @param expected the type expected
   * @param actual the type byte found (0 for an empty body)
   */
  constructor(expected: number, actual: number) {
    super(`Message type ${actual} where type ${expected} was expected.`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A message body whose type byte is not a crossmargin message type at all. */
export class UnknownMessageTypeError extends NonRetryableError {
  override name = "UnknownMessageTypeError";
  /** The type byte found (0 for an empty body). */
  readonly actual: number;
  /** @param actual the type byte found (0 for an empty body) */
  constructor(actual: number) {
    super(`Unknown message type ${actual} (expected 1 to 5).`);
    this.actual = actual;
  }
}

/** A message body of the wrong length for its type (`MessageCodec_InvalidMessageLength`). */
export class InvalidMessageLengthError extends NonRetryableError {
  override name = "InvalidMessageLengthError";
  /** The message type. */
  readonly messageType: number;
  /** The body's length in bytes. */
  readonly length: number;
  /**
   * @param messageType the message type
   * @param length the body's length in bytes
   * @param expected the length that type needs
   */
  constructor(messageType: number, length: number, expected: number) {
    super(`Message of type ${messageType} is ${length} bytes long; it must be ${expected}.`);
    this.messageType = messageType;
    this.length = length;
  }
}

/** A value to encode does not fit its field (a uintN out of range, a malformed address or hex). */
export class InvalidCodecValueError extends NonRetryableError {
  override name = "InvalidCodecValueError";
  /** The field that was out of range. */
  readonly field: string;
  /**
   * @param field the field's name
   * @param expected what the field accepts
   * @param value the value given
   */
  constructor(field: string, expected: string, value: unknown) {
    super(`Cannot encode ${field}: expected ${expected}, got ${String(value)}.`);
    this.field = field;
  }
}
