"""Everything Slack-specific: the Web API client, Block Kit builders, paced posting."""
