"""Walking a search page by page, for the registers whose searches page (GOsC, GCC).

Each of those modules offers, built on `result_pages`, so a caller (the refresh) walks any of
them through `scrapers.register_module(register)`:
- `iter_search_pages(session, base_url, place, *, latitude, longitude, radius, start_page,
  max_pages)`: one location search;
- `WHOLE_REGISTER_WALKS` (what each way of listing the whole register asks, best evidence
  first) and `iter_register_pages(session, base_url, *, way, start_page, max_pages)`: every
  entry of the register, without a location.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator

from scrapers.errors import LayoutChanged
from scrapers.records import ResultPage

MAX_PAGES_PER_SEARCH = 200  # a search longer than this means paging is broken
# A whole register: GOsC about 5,500 osteopaths, GCC about 4,000 chiropractors, 10 a page.
MAX_PAGES_WHOLE_REGISTER = 2_000


def result_pages(
    read_page: Callable[[int], ResultPage],
    same_results: Callable[[ResultPage], Hashable],
    *,
    start_page: int = 1,
    max_pages: int = MAX_PAGES_PER_SEARCH,
) -> Iterator[ResultPage]:
    """Pages `start_page`, `start_page + 1`, ... up to page `max_pages`, each read by
    `read_page(number)`: every page with results, one per page number, ending after an `at_end`
    page or at the first empty one (which is not yielded).

    A page whose `same_results` equal the page before's means the register ignored the page
    number: LayoutChanged, rather than an endless walk.
    """
    previous = None
    for number in range(start_page, max_pages + 1):
        page = read_page(number)
        if not page.items:
            return
        results = same_results(page)
        if results == previous:
            raise LayoutChanged("page parameter ignored: same results twice", page.source_url)
        previous = results
        yield page
        if page.at_end:
            return
