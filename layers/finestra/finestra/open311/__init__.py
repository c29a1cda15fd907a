"""Open311 GeoReport v2: the city's themes and requests in the shape city apps already speak.

``mapping`` turns the catalogue and stored requests into the specification's resources,
``models`` holds those resources, and ``render`` writes them as JSON or XML with the
specification's content types, date format and error bodies.
"""
