"""Inbound events: the contract with telephony and ticketing systems."""
