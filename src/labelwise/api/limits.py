"""Bounds on paging parameters, so no value can overflow LIMIT/OFFSET in either database.

Large enough for every real client: the legacy SDK lists projects with page_size=10,000,000.
"""

MAX_PAGE = 10**9
MAX_PAGE_SIZE = 2**31 - 1

# An id in a query string: beyond an integer column's range it is bad input (400), before any driver
# sees a number it cannot bind.
MAX_ID = 2**31 - 1
