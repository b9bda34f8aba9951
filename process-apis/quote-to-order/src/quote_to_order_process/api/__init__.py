"""HTTP routes of the quote-to-order Process API."""
