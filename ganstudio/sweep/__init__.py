"""`ganstudio sweep`: many headless runs from a grid or random draws, locally or on Ray; ranked by quality."""
