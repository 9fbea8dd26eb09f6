"""Certificates of completion: the rule, issuing, revoking, verification and the register."""
