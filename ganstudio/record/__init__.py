"""What a run records as it trains: the step history and its events, and the recorded sample frames."""
