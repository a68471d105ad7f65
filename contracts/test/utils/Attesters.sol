// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";

/// @notice Test base with a deterministic attester set and helpers that sign packets for a verifier.
abstract contract Attesters is Test {
    uint256[] internal attesterKeys;
    address[] internal attesterAddrs;

    /// @dev Creates `n` attesters sorted by address (the order the verifier requires).
    function _makeAttesters(uint256 n) internal {
        delete attesterKeys;
        delete attesterAddrs;
        for (uint256 i; i < n; ++i) {
            (address a, uint256 k) = makeAddrAndKey(string.concat("attester", vm.toString(i)));
            attesterKeys.push(k);
            attesterAddrs.push(a);
        }
        // insertion sort by address
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && attesterAddrs[j - 1] > attesterAddrs[j]; --j) {
                (attesterAddrs[j - 1], attesterAddrs[j]) = (attesterAddrs[j], attesterAddrs[j - 1]);
                (attesterKeys[j - 1], attesterKeys[j]) = (attesterKeys[j], attesterKeys[j - 1]);
            }
        }
    }

    /// @dev 65-byte r‖s‖v signature of `digest` by `key`.
    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of the first `count` attesters (ascending) over `packet` for `verifier`.
    function _attest(IQuorumVerifier verifier, bytes memory packet, uint256 count) internal view returns (bytes memory sigs) {
        bytes32 digest = verifier.attestationDigest(packet);
        for (uint256 i; i < count; ++i) {
            sigs = bytes.concat(sigs, _sign(attesterKeys[i], digest));
        }
    }

    /// @dev Signatures by the given keys, in the given order, over `packet` for `verifier`.
    function _attestWith(IQuorumVerifier verifier, bytes memory packet, uint256[] memory keys)
        internal
        view
        returns (bytes memory sigs)
    {
        bytes32 digest = verifier.attestationDigest(packet);
        for (uint256 i; i < keys.length; ++i) {
            sigs = bytes.concat(sigs, _sign(keys[i], digest));
        }
    }
}
