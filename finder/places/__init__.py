"""Places: postcodes (parse, build the table, look up), local authorities and NHS areas.

The ground the other features stand on: search turns a postcode into a point here, and
self-referral turns it into a local authority and its NHS areas.
"""
