"""Bounds on paging parameters, so no value can overflow LIMIT/OFFSET in either database.

Large enough for every real client: the legacy SDK lists projects with page_size=10,000,000.
"""

MAX_PAGE = 10**9
MAX_PAGE_SIZE = 2**31 - 1
