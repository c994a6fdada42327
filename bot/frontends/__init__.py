"""Front-ends: thin translations between a chat platform and the command layer, plus rendering."""
