-- Template lists read these summary columns and never the MDL document, and page in SQL
-- (security review L11). search_text holds the slug, name, description and tags in lower
-- case, one a line, for the list's `search`.
ALTER TABLE custom_templates ADD COLUMN parameters_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_templates ADD COLUMN objectives_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_templates ADD COLUMN default_budget BIGINT NOT NULL DEFAULT 200;
ALTER TABLE custom_templates ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE custom_templates SET
    parameters_count = CASE WHEN json_typeof(mdl::json -> 'parameters') = 'array'
        THEN json_array_length(mdl::json -> 'parameters') ELSE 0 END,
    objectives_count = CASE WHEN json_typeof(mdl::json -> 'objectives') = 'array'
        THEN json_array_length(mdl::json -> 'objectives') ELSE 0 END,
    default_budget = CASE WHEN (mdl::json -> 'optimizer' ->> 'budget') ~ '^[0-9]{1,9}$'
            AND json_typeof(mdl::json -> 'optimizer' -> 'budget') = 'number'
        THEN (mdl::json -> 'optimizer' ->> 'budget')::bigint ELSE 200 END,
    search_text = lower(slug || chr(10) || name || chr(10) || description || chr(10)
        || COALESCE((SELECT string_agg(value, chr(10)) FROM json_array_elements_text(tags::json)), ''));
