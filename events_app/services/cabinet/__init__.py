"""One cabinet for one e-mail address: everything it holds across events, behind a mailed link."""
