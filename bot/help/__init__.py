"""Help now: the emergency card for a message that signals danger, and the contacts screen."""
