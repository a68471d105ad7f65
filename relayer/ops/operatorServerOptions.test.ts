import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { operatorServerOptions } from "./operatorServerOptions.js";

describe("operatorServerOptions", () => {
  it("binds 127.0.0.1 with an open board by default, and takes RELAYER_HOST", () => {
    expect(operatorServerOptions({})).toEqual({
      host: undefined,
      readOnlyBoard: false,
      boardAuth: undefined,
    });
    expect(operatorServerOptions({ RELAYER_HOST: "::1" }).host).toBe("::1");
    expect(operatorServerOptions({ RELAYER_HOST: "127.0.0.2" }).host).toBe("127.0.0.2");
  });

  it("refuses a network address while Bull Board is open, naming RELAYER_HOST", () => {
    expect(() => operatorServerOptions({ RELAYER_HOST: "0.0.0.0" })).toThrow(ConfigError);
    expect(() => operatorServerOptions({ RELAYER_HOST: "0.0.0.0" })).toThrow(
      /RELAYER_HOST: expected a loopback address/,
    );
    expect(operatorServerOptions({ RELAYER_HOST: "0.0.0.0", RELAYER_BOARD_READONLY: "1" })).toEqual({
      host: "0.0.0.0",
      readOnlyBoard: true,
      boardAuth: undefined,
    });
    expect(
      operatorServerOptions({
        RELAYER_HOST: "10.0.0.5",
        RELAYER_ADMIN_USER: "ops",
        RELAYER_ADMIN_PASSWORD: "pw",
      }).boardAuth,
    ).toEqual({ username: "ops", password: "pw" });
  });

  it("names a half-set basic auth and a bad read-only flag", () => {
    expect(() => operatorServerOptions({ RELAYER_ADMIN_USER: "ops" })).toThrow(
      /RELAYER_ADMIN_USER\/RELAYER_ADMIN_PASSWORD: expected both set, or neither/,
    );
    expect(() => operatorServerOptions({ RELAYER_BOARD_READONLY: "yes" })).toThrow(
      /RELAYER_BOARD_READONLY: expected 1, true, 0 or false, got "yes"/,
    );
  });
});
