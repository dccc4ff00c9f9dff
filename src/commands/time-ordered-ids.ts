import { v7 as uuidv7 } from 'uuid';

/**
 * Ids that grow with time (UUIDv7: 48 bits of milliseconds, then 74 random bits), for event ids
 * and for the ids of streams that commands create. Each lands at the right edge of its unique
 * index, so an append dirties the index pages the previous appends dirtied. Random ids dirtied a
 * random leaf page of each index per append, and after every checkpoint the first change to a page
 * writes the whole page to the WAL: on a log of 10 million events that tripled the WAL per event
 * (docs/performance.md). Not for secrets: the time is readable in the id.
 */
export const newEventId = (): string => uuidv7();

/** A time-ordered id as 32 lower-case hex digits, the shape our stream ids (users, tokens, sessions) have. */
export const newTimeOrderedHexId = (): string => uuidv7().replace(/-/g, '');
