# Read by the `flask` command in a checkout (not by gunicorn, which stays production).
FLASK_APP=wsgi
CONVENE_ENV=development
