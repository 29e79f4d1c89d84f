"""
Django's zh_Hans formats with one change: every date-time an operator sees carries
its UTC offset (the admin otherwise shows Asia/Shanghai wall-clock times with no zone
next to titles and logs in UTC). Dates keep Django's Chinese format.

Keep DATETIME_FORMAT in step with core.timeutil.LOCAL_DISPLAY_FORMAT.
"""
DATETIME_FORMAT = "Y-m-d H:i:s O"
SHORT_DATETIME_FORMAT = "Y-m-d H:i O"
