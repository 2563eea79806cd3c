package roles

// ScramVerifier is scramVerifier, for the external tests.
var ScramVerifier = scramVerifier
