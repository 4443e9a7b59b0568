"""The directory's tables and the triggers that keep each practice's search point current.

Searching it is finder.search (its points are held in memory by finder.search.spatial).

Tables (owned here):
- practitioners: one row per (register, registration_number); the number is a string so GCC's
  leading zeros survive. Registration *state* is not stored here: it comes from `registrations`
  (finder.registrations), joined on the same key; no row there means "not yet verified".
- practices: keyed by a stable text `key` (e.g. "gosc:1234" or "sample:000042"); `id` is the
  integer the search's point index and the listings use.
- practice_practitioners: who works where (many-to-many).
- practice_points: the located, not retired practices' coordinates and a bit mask of the
  professions practising there, kept in step by triggers; a search holds them in memory
  (finder.search.spatial.PointIndex) and reads them again when directory_version's token, which
  triggers change with every point, has moved. (Earlier migrations built an R*Tree over them;
  the last one drops it: see docs/architecture.md.)
- practice_listings (finder.directory.stored_listings): each practice's listing, as a search
  result shows it, kept ready by triggers on these tables and on `registrations`.

Rows are never deleted by a refresh: `retired_at` takes them out of search and keeps history.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

# The set's name is historical (this was the module finder.directory): never rename it.
MIGRATIONS = Migrations("finder.directory")

# The mask of professions practising at practice `{id}` (its non-retired practitioners).
_MASK_SQL = """(select coalesce(sum(distinct case p.profession
        when 'physiotherapist' then 1 when 'osteopath' then 2 when 'chiropractor' then 4
        else 0 end), 0)
    from practice_practitioners l join practitioners p
        on p.register = l.register and p.registration_number = l.registration_number
    where l.practice_id = {id} and p.retired_at is null)"""

_THIS_POINT = "practice_points.id"
# A practice is indexed while it is located and not retired. Its point keeps the exact
# coordinates (the R*Tree only has 32-bit floats) and the sine, cosine and radians the distance
# formula needs, computed once here instead of on every search.
_LOCATE_SQL = """insert into practice_locations
    select new.id, new.latitude, new.latitude, new.longitude, new.longitude
    where new.latitude is not null and new.longitude is not null and new.retired_at is null;
insert into practice_points
    select new.id, new.latitude, new.longitude, sin(radians(new.latitude)),
        cos(radians(new.latitude)), radians(new.longitude), {mask}
    where new.latitude is not null and new.longitude is not null and new.retired_at is null;"""
_UNLOCATE_SQL = """delete from practice_locations where id = old.id;
delete from practice_points where id = old.id;"""


@MIGRATIONS()
def create_directory_tables(db: sqlite_utils.Database) -> None:
    statements = [
        """create table practitioners (
            register text not null check (register in ('hcpc', 'gosc', 'gcc')),
            registration_number text not null,
            name text not null,
            profession text not null
                check (profession in ('physiotherapist', 'osteopath', 'chiropractor')),
            source text not null,
            updated_at text not null,
            retired_at text,
            primary key (register, registration_number)
        )""",
        """create table practices (
            id integer primary key,
            key text not null unique,
            name text not null,
            address text not null default '[]',  -- JSON list of lines, postcode not included
            postcode text,
            latitude real,
            longitude real,
            phone text,
            email text,
            website text,
            features text not null default '{}',  -- JSON: home_visits, wheelchair_access...
            source text not null,
            updated_at text not null,
            retired_at text
        )""",
        "create index practices_source on practices (source)",
        # Deferred keys let a bulk load insert links before the practices they point to.
        """create table practice_practitioners (
            practice_id integer not null references practices (id)
                on delete cascade deferrable initially deferred,
            register text not null,
            registration_number text not null,
            primary key (practice_id, register, registration_number),
            foreign key (register, registration_number)
                references practitioners (register, registration_number)
                on delete cascade deferrable initially deferred
        ) without rowid""",
        """create index practice_practitioners_by_practitioner
            on practice_practitioners (register, registration_number)""",
        "create virtual table practice_locations using rtree(id, min_lat, max_lat, min_lon, "
        "max_lon)",
        """create table practice_points (
            id integer primary key,
            latitude real not null,
            longitude real not null,
            sin_lat real not null,
            cos_lat real not null,
            lon_radians real not null,
            professions integer not null  -- bit mask: 1 physio, 2 osteopath, 4 chiropractor
        )""",
        f"""create trigger practices_located after insert on practices begin
            {_LOCATE_SQL.format(mask=_MASK_SQL.format(id="new.id"))}
        end""",
        f"""create trigger practices_moved
            after update of latitude, longitude, retired_at on practices begin
            {_UNLOCATE_SQL}
            {_LOCATE_SQL.format(mask=_MASK_SQL.format(id="new.id"))}
        end""",
        f"""create trigger practices_removed after delete on practices begin
            {_UNLOCATE_SQL}
        end""",
        f"""create trigger practice_practitioner_added after insert on practice_practitioners
        begin
            update practice_points set professions = {_MASK_SQL.format(id="new.practice_id")}
            where id = new.practice_id;
        end""",
        f"""create trigger practice_practitioner_removed after delete on practice_practitioners
        begin
            update practice_points set professions = {_MASK_SQL.format(id="old.practice_id")}
            where id = old.practice_id;
        end""",
        f"""create trigger practitioner_changed
            after update of profession, retired_at on practitioners begin
            update practice_points set professions = {_MASK_SQL.format(id=_THIS_POINT)}
            where id in (select practice_id from practice_practitioners
                where register = new.register and registration_number = new.registration_number);
        end""",
    ]
    for statement in statements:
        db.execute(statement)


# The R*Tree gains a third dimension, the professions mask (min = max = the mask), so a search
# can count the practices inside a rectangle of the circle from the index alone, no join.
# practice_locations now mirrors practice_points through triggers on practice_points.
_POINT_SQL = """insert into practice_points
    select new.id, new.latitude, new.longitude, sin(radians(new.latitude)),
        cos(radians(new.latitude)), radians(new.longitude), {mask}
    where new.latitude is not null and new.longitude is not null and new.retired_at is null;"""
_MIRROR_SQL = """insert into practice_locations
    select id, latitude, latitude, longitude, longitude, professions, professions
    from practice_points where id = new.id;"""


@MIGRATIONS()
def index_professions_in_practice_locations(db: sqlite_utils.Database) -> None:
    statements = [
        "drop trigger practices_located",
        "drop trigger practices_moved",
        "drop trigger practices_removed",
        "drop table practice_locations",
        "create virtual table practice_locations using rtree(id, min_lat, max_lat, min_lon, "
        "max_lon, min_professions, max_professions)",
        """insert into practice_locations select id, latitude, latitude, longitude, longitude,
            professions, professions from practice_points""",
        f"""create trigger practice_point_added after insert on practice_points begin
            {_MIRROR_SQL}
        end""",
        f"""create trigger practice_point_changed after update on practice_points
            when (old.id, old.latitude, old.longitude, old.professions)
                is not (new.id, new.latitude, new.longitude, new.professions) begin
            delete from practice_locations where id = old.id;
            {_MIRROR_SQL}
        end""",
        """create trigger practice_point_removed after delete on practice_points begin
            delete from practice_locations where id = old.id;
        end""",
        # The practices triggers as before, writing practice_points only.
        f"""create trigger practices_located after insert on practices begin
            {_POINT_SQL.format(mask=_MASK_SQL.format(id="new.id"))}
        end""",
        f"""create trigger practices_moved
            after update of latitude, longitude, retired_at on practices begin
            delete from practice_points where id = old.id;
            {_POINT_SQL.format(mask=_MASK_SQL.format(id="new.id"))}
        end""",
        """create trigger practices_removed after delete on practices begin
            delete from practice_points where id = old.id;
        end""",
    ]
    for statement in statements:
        db.execute(statement)


# Search reads practice_points into memory (finder.search.spatial.PointIndex) and reads them
# again when directory_version's token changes: any change to a point draws a new random token.
# The R*Tree and the precomputed trigonometry are no longer read, so they go.
_SLIM_POINT_SQL = """insert into practice_points
    select new.id, new.latitude, new.longitude, {mask}
    where new.latitude is not null and new.longitude is not null and new.retired_at is null;"""
_NEW_TOKEN_SQL = "update directory_version set token = random();"


@MIGRATIONS()
def read_practice_points_into_memory(db: sqlite_utils.Database) -> None:
    statements = [
        "drop trigger practice_point_added",
        "drop trigger practice_point_changed",
        "drop trigger practice_point_removed",
        "drop table practice_locations",
        "drop trigger practices_located",
        "drop trigger practices_moved",
        "alter table practice_points drop column sin_lat",
        "alter table practice_points drop column cos_lat",
        "alter table practice_points drop column lon_radians",
        "create table directory_version (token integer not null)",
        "insert into directory_version values (random())",
        f"""create trigger practices_located after insert on practices begin
            {_SLIM_POINT_SQL.format(mask=_MASK_SQL.format(id="new.id"))}
        end""",
        # Only a real move: an upsert rewrites every column, and a new name or phone number
        # must not send every search process back to re-read all the points.
        f"""create trigger practices_moved
            after update of latitude, longitude, retired_at on practices
            when (old.latitude, old.longitude, old.retired_at)
                is not (new.latitude, new.longitude, new.retired_at) begin
            delete from practice_points where id = old.id;
            {_SLIM_POINT_SQL.format(mask=_MASK_SQL.format(id="new.id"))}
        end""",
        f"create trigger practice_point_added after insert on practice_points begin "
        f"{_NEW_TOKEN_SQL} end",
        f"""create trigger practice_point_changed after update on practice_points
            when (old.id, old.latitude, old.longitude, old.professions)
                is not (new.id, new.latitude, new.longitude, new.professions) begin
            {_NEW_TOKEN_SQL}
        end""",
        f"create trigger practice_point_removed after delete on practice_points begin "
        f"{_NEW_TOKEN_SQL} end",
    ]
    for statement in statements:
        db.execute(statement)


# --- issue 17: one rule for who patients see, and what the search's filters need ------------
# A practitioner is shown to patients unless retired or the register's latest answer says they
# may not practise (inactive: lapsed, suspended, removed, non-practising; not_found), the same
# for all three registers. A practice's point carries, from the practitioners shown:
# - professions: the mask of their professions (a practice with none drops out of search);
# - <profession>_confirmed: the newest check (Unix seconds) that said registered or restricted,
#   with no later doubt, for the "confirmed only" filter (finder.search.filters);
# and from the practice's features: `features` (1 home visits, 2 wheelchair access) and
# `languages` (the JSON list of names, null when none).
SHOWN_SQL = "(r.outcome is null or r.outcome not in ('inactive', 'not_found'))"
_CONFIRMED = "r.outcome in ('registered', 'restricted') and r.reason is null"
_STATE_SQL = f"""select coalesce(sum(distinct case when {SHOWN_SQL} then case t.profession
            when 'physiotherapist' then 1 when 'osteopath' then 2 when 'chiropractor' then 4
            else 0 end else 0 end), 0),
        max(case when t.profession = 'physiotherapist' and {_CONFIRMED}
            then unixepoch(r.checked_at) end),
        max(case when t.profession = 'osteopath' and {_CONFIRMED}
            then unixepoch(r.checked_at) end),
        max(case when t.profession = 'chiropractor' and {_CONFIRMED}
            then unixepoch(r.checked_at) end)
    from practice_practitioners l
    join practitioners t
        on t.register = l.register and t.registration_number = l.registration_number
    left join registrations r
        on r.register = t.register and r.registration_number = t.registration_number
    where l.practice_id = {{id}} and t.retired_at is null"""
STATE_COLUMNS = (
    "professions, physiotherapist_confirmed, osteopath_confirmed, chiropractor_confirmed"
)
_FEATURES_SQL = """(coalesce(json_extract(new.features, '$.home_visits'), 0) = 1)
    | ((coalesce(json_extract(new.features, '$.wheelchair_access'), 0) = 1) << 1)"""
_LANGUAGES_SQL = "nullif(json_extract(new.features, '$.languages'), '[]')"
_FULL_POINT_SQL = f"""insert into practice_points
        (id, latitude, longitude, features, languages, {STATE_COLUMNS})
    select new.id, new.latitude, new.longitude, {_FEATURES_SQL}, {_LANGUAGES_SQL}, state.*
    from ({_STATE_SQL.format(id="new.id")}) state
    where new.latitude is not null and new.longitude is not null and new.retired_at is null;"""
_RESTATE_SQL = f"""update practice_points set ({STATE_COLUMNS}) =
    ({_STATE_SQL.format(id="practice_points.id")}) where id in ({{ids}});"""
_WORKS_AT = """select practice_id from practice_practitioners
    where register = {row}.register and registration_number = {row}.registration_number"""
_WORKS_AT_OLD_OR_NEW = f"{_WORKS_AT.format(row='old')} union {_WORKS_AT.format(row='new')}"
_CONFIRMED_COLUMNS = "physiotherapist_confirmed, osteopath_confirmed, chiropractor_confirmed"


@MIGRATIONS()
def show_practitioners_who_may_practise(db: sqlite_utils.Database) -> None:
    """The visibility rule and the filters' columns in practice_points. Confirmation times
    change with every check, so they draw their own token (confirmed_token): a check does not
    send every search back to re-read all the points, only a "confirmed only" search."""
    olds = ", ".join(f"old.{c}" for c in _CONFIRMED_COLUMNS.split(", "))
    news = ", ".join(f"new.{c}" for c in _CONFIRMED_COLUMNS.split(", "))
    core = "id, latitude, longitude, professions, features, languages"
    core_old, core_new = (", ".join(f"{s}.{c}" for c in core.split(", ")) for s in ("old", "new"))
    statements = [
        "alter table practice_points add column features integer not null default 0",
        "alter table practice_points add column languages text",
        *(
            f"alter table practice_points add column {c} integer"
            for c in STATE_COLUMNS.split(", ")[1:]
        ),
        "alter table directory_version add column confirmed_token integer not null default 0",
        "drop trigger practices_located",
        "drop trigger practices_moved",
        "drop trigger practice_practitioner_added",
        "drop trigger practice_practitioner_removed",
        "drop trigger practitioner_changed",
        "drop trigger practice_point_changed",
        f"create trigger practices_located after insert on practices begin {_FULL_POINT_SQL} end",
        f"""create trigger practices_moved
            after update of latitude, longitude, retired_at, features on practices
            when (old.latitude, old.longitude, old.retired_at, old.features)
                is not (new.latitude, new.longitude, new.retired_at, new.features) begin
            delete from practice_points where id = old.id;
            {_FULL_POINT_SQL}
        end""",
        f"""create trigger practice_practitioner_added after insert on practice_practitioners
        begin {_RESTATE_SQL.format(ids="new.practice_id")} end""",
        f"""create trigger practice_practitioner_removed after delete on practice_practitioners
        begin {_RESTATE_SQL.format(ids="old.practice_id")} end""",
        f"""create trigger practice_practitioner_moved after update on practice_practitioners
        when (old.practice_id, old.register, old.registration_number)
            is not (new.practice_id, new.register, new.registration_number)
        begin {_RESTATE_SQL.format(ids="old.practice_id, new.practice_id")} end""",
        f"""create trigger practitioner_changed
            after update of profession, retired_at on practitioners begin
            {_RESTATE_SQL.format(ids=_WORKS_AT.format(row="new"))}
        end""",
        # A bulk load may add a practitioner after its links (deferred keys).
        f"""create trigger practitioner_added after insert on practitioners begin
            {_RESTATE_SQL.format(ids=_WORKS_AT.format(row="new"))}
        end""",
        f"""create trigger practitioner_removed after delete on practitioners begin
            {_RESTATE_SQL.format(ids=_WORKS_AT.format(row="old"))}
        end""",
        f"""create trigger registration_point_added after insert on registrations begin
            {_RESTATE_SQL.format(ids=_WORKS_AT.format(row="new"))}
        end""",
        f"""create trigger registration_point_changed after update on registrations
            when (old.register, old.registration_number, old.outcome, old.reason,
                old.checked_at) is not (new.register, new.registration_number, new.outcome,
                new.reason, new.checked_at) begin
            {_RESTATE_SQL.format(ids=_WORKS_AT_OLD_OR_NEW)}
        end""",
        f"""create trigger registration_point_removed after delete on registrations begin
            {_RESTATE_SQL.format(ids=_WORKS_AT.format(row="old"))}
        end""",
        f"""create trigger practice_point_changed after update on practice_points
            when ({core_old}) is not ({core_new}) begin
            {_NEW_TOKEN_SQL}
        end""",
        f"""create trigger practice_point_confirmed after update on practice_points
            when ({olds}) is not ({news}) begin
            update directory_version set confirmed_token = random();
        end""",
        # Every point again, by the new rule.
        "delete from practice_points",
        f"""insert into practice_points (id, latitude, longitude, professions, features,
                languages)
            select p.id, p.latitude, p.longitude, 0, {_FEATURES_SQL.replace("new.", "p.")},
                {_LANGUAGES_SQL.replace("new.", "p.")}
            from practices p
            where p.latitude is not null and p.longitude is not null and p.retired_at is null""",
        _RESTATE_SQL.format(ids="select id from practice_points"),
        "update directory_version set confirmed_token = random()",
    ]
    for statement in statements:
        db.execute(statement)
