"""Throwaway local servers on loopback ports, for the tests and the load benchmark alike."""
