"""The contact-centre floor right now and over the shift: queue tiles, agents, trends (the console's figures)."""
