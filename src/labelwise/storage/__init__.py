"""Where data comes from and goes to outside the database: remote URLs (through one guarded
client), local directories and S3-compatible stores."""
