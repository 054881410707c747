-- Speakers in name order, so search can list the distinct speakers in a few
-- index seeks and look up only the lines of speakers whose names hold a
-- query word, instead of reading every candidate line's speaker.
CREATE INDEX segments_speaker ON segments(speaker);
