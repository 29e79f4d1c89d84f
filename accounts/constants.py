"""Fixed limits of the accounts surface, shared by input validation, services, admin and the command."""

# Contract §6: a batch status change takes 1 to 1,000 user ids.
BATCH_MAX_USERS = 1000
