"""Channel parsers and adapters: each provider's format in, the city's answer out."""
