"""✉️ Ask a person: users' questions relayed to the staff chat as tickets, staff answers relayed
back (docs/relay.md)."""
