"""Online attendance: personal join links, and the attendance of every delegate at every session."""
