"""Interactions (calls and tickets): their events, their scores, and the service that records them."""
