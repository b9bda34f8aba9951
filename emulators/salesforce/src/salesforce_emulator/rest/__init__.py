"""The REST resources' semantics, callable by the HTTP routers and by composite subrequests."""
