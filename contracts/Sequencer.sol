// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Sequencer: the shared order of a Baton network
/// @notice Members write hashes ("pins") of their private step outcomes here.
/// The position of a pin in this contract's event stream is the one global
/// order every member applies. Nothing private is ever stored or emitted:
/// only member identities, opaque context ids and hashes.
contract Sequencer {
    struct Member {
        string name;
        string endpoint;
        bool active;
    }

    /// @notice A batch cap keeps one transaction well inside a block's gas limit.
    uint256 public constant MAX_BATCH = 1000;

    /// @notice The deployer; the only account allowed to change membership.
    address public immutable owner;

    /// @notice Number of batches pinned so far; the first batch has sequence 1.
    uint256 public batchCount;

    /// @notice Number of pins so far; the first pin has number 1.
    uint256 public pinCount;

    mapping(address => Member) private _members;
    // Active members in the order they were added, so every reader lists
    // them identically.
    address[] private _accounts;

    event MemberAdded(address indexed account, string name, string endpoint);
    event MemberRemoved(address indexed account);

    /// @notice One event per batch: members read the global order from these.
    /// @dev Pin i of the batch has global pin number `firstPin + i`. The full
    /// arrays are emitted (not stored) because readers need them and events
    /// are far cheaper than storage.
    event BatchPinned(
        uint256 indexed sequence,
        address indexed author,
        bytes32 batchHash,
        uint256 firstPin,
        bytes32[] contexts,
        bytes32[] pins
    );

    error NotOwner();
    error NotMember(address account);
    error EmptyBatch();
    error LengthMismatch();
    error BatchTooLarge();
    error AlreadyMember(address account);
    error UnknownMember(address account);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor() {
        owner = msg.sender;
    }

    /// @notice Registers a member. The endpoint is public on purpose: it is
    /// where other members deliver private data off-chain.
    function addMember(address account, string calldata name, string calldata endpoint) external onlyOwner {
        if (_members[account].active) revert AlreadyMember(account);
        _members[account] = Member(name, endpoint, true);
        _accounts.push(account);
        emit MemberAdded(account, name, endpoint);
    }

    /// @notice Removes a member; it can no longer pin. Its past pins stay in
    /// the order (history is immutable).
    /// @dev Shifts the array rather than swap-and-pop so the listing order
    /// stays "order added"; member counts are small.
    function removeMember(address account) external onlyOwner {
        if (!_members[account].active) revert UnknownMember(account);
        delete _members[account];
        uint256 n = _accounts.length;
        uint256 i = 0;
        while (_accounts[i] != account) i++;
        for (; i + 1 < n; i++) _accounts[i] = _accounts[i + 1];
        _accounts.pop();
        emit MemberRemoved(account);
    }

    function isMember(address account) external view returns (bool) {
        return _members[account].active;
    }

    /// @notice Name of an active member, or "" for any other address.
    function memberName(address account) external view returns (string memory) {
        return _members[account].name;
    }

    /// @notice Active members, in the order they were added.
    function getMembers()
        external
        view
        returns (address[] memory accounts, string[] memory names, string[] memory endpoints)
    {
        uint256 n = _accounts.length;
        accounts = new address[](n);
        names = new string[](n);
        endpoints = new string[](n);
        for (uint256 i = 0; i < n; i++) {
            Member storage m = _members[_accounts[i]];
            accounts[i] = _accounts[i];
            names[i] = m.name;
            endpoints[i] = m.endpoint;
        }
    }

    /// @notice Pins a batch of hashes, each in its context, in one transaction.
    /// @dev The batch hash is computed here rather than trusted from the caller
    /// so readers can rely on it matching the emitted arrays.
    /// @return sequence The batch's sequence number (first batch is 1).
    /// @return firstPin The global number of the batch's first pin.
    function pinBatch(bytes32[] calldata contexts, bytes32[] calldata pins)
        external
        returns (uint256 sequence, uint256 firstPin)
    {
        if (!_members[msg.sender].active) revert NotMember(msg.sender);
        if (contexts.length == 0) revert EmptyBatch();
        if (contexts.length != pins.length) revert LengthMismatch();
        if (contexts.length > MAX_BATCH) revert BatchTooLarge();

        bytes32 batchHash = keccak256(abi.encodePacked(contexts, pins));
        sequence = ++batchCount;
        firstPin = pinCount + 1;
        pinCount += pins.length;
        emit BatchPinned(sequence, msg.sender, batchHash, firstPin, contexts, pins);
    }
}
