package dev.vmha.election;

/** A host's role in the election (seed 000): Uninitialized → Election → Master | Slave, and Isolated. */
public enum Role { UNINITIALIZED, ELECTION, MASTER, SLAVE, ISOLATED }
