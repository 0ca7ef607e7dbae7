//! Integration tests: the real `basis` binary against loopback servers serving exchange payloads.

mod cli;
