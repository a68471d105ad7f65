// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Tokens that behave like real ones do when they refuse a transfer (tests only). The
/// issuer-style blocklist is `MockERC20.setBlocked`.

/// @notice A token the issuer can pause: every transfer reverts while paused.
contract PausableToken is ERC20 {
    bool public paused;

    error TokenPaused();

    constructor() ERC20("Pausable USD", "pUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setPaused(bool on) external {
        paused = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (paused) revert TokenPaused();
        super._update(from, to, value);
    }
}

/// @notice Returns `false` instead of reverting when `refuse` is on (old ERC-20s such as ZRX).
contract ReturnsFalseToken is ERC20 {
    bool public refuse;

    constructor() ERC20("False USD", "fUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setRefuse(bool on) external {
        refuse = on;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (refuse) return false;
        return super.transfer(to, value);
    }
}

/// @notice USDT-style: `transfer`/`transferFrom`/`approve` return nothing; a transfer to a
/// blocklisted address reverts without data.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public blocked;
    uint256 public totalSupply;

    function decimals() external pure returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function setBlocked(address account, bool on) external {
        blocked[account] = on;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        require(!blocked[from] && !blocked[to]);
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice ERC-777-style: after a transfer to a recipient that registered a hook (ERC-1820 in
/// ERC-777), calls its `tokensReceived`, which may revert.
contract HookToken is ERC20 {
    mapping(address => bool) public hooked;

    constructor() ERC20("Hook USD", "hUSD") {}

    function registerHook(address recipient) external {
        hooked[recipient] = true;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hooked[to] && from != address(0)) ITokensRecipient(to).tokensReceived(from, value);
    }
}

interface ITokensRecipient {
    function tokensReceived(address from, uint256 amount) external;
}

/// @notice A recipient contract whose receive hook reverts (or burns all the gas it is given).
contract RefusingRecipient is ITokensRecipient {
    bool public burnGas;

    function setBurnGas(bool on) external {
        burnGas = on;
    }

    function tokensReceived(address, uint256) external view {
        if (burnGas) {
            while (gasleft() > 0) {}
        }
        revert("RefusingRecipient: no");
    }
}

/// @notice A rebasing token whose balances can shrink (a slashed liquid-staking token): every
/// balance is `shares · index / 1e18`, and `rebase` moves the index.
contract RebasingToken {
    mapping(address => uint256) private _shares;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public index = 1e18;

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _shares[account] * index / 1e18;
    }

    function mint(address to, uint256 amount) external {
        _shares[to] += amount * 1e18 / index;
    }

    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        // Rounds the shares up, so a short balance reverts (checked subtraction).
        uint256 shares = (amount * 1e18 + index - 1) / index;
        _shares[from] -= shares;
        _shares[to] += shares;
    }
}
