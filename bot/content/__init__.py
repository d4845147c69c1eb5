"""Facts as data (with their seed), the user's profile rules and input parsing."""
