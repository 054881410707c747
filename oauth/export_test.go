package oauth

// PublicAddr exposes publicAddr to the external tests.
var PublicAddr = publicAddr
