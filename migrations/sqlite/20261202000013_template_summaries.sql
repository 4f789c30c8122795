-- Template lists read these summary columns and never the MDL document, and page in SQL
-- (security review L11). search_text holds the slug, name, description and tags in lower
-- case, one a line, for the list's `search`.
ALTER TABLE custom_templates ADD COLUMN parameters_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_templates ADD COLUMN objectives_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_templates ADD COLUMN default_budget BIGINT NOT NULL DEFAULT 200;
ALTER TABLE custom_templates ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE custom_templates SET
    parameters_count = CASE WHEN json_type(mdl, '$.parameters') = 'array'
        THEN json_array_length(mdl, '$.parameters') ELSE 0 END,
    objectives_count = CASE WHEN json_type(mdl, '$.objectives') = 'array'
        THEN json_array_length(mdl, '$.objectives') ELSE 0 END,
    default_budget = CASE WHEN json_type(mdl, '$.optimizer.budget') = 'integer'
            AND json_extract(mdl, '$.optimizer.budget') >= 0
        THEN json_extract(mdl, '$.optimizer.budget') ELSE 200 END,
    search_text = lower(slug || char(10) || name || char(10) || description || char(10)
        || COALESCE((SELECT group_concat(value, char(10)) FROM json_each(custom_templates.tags)), ''));
