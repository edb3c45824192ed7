from .urls_consultations import urlpatterns as consultation_patterns
from .urls_respond import urlpatterns as respond_patterns

app_name = "engagement"

# The responding flow first: its fixed paths (consultations/my-responses/) must win over consultations/<slug>/.
urlpatterns = respond_patterns + consultation_patterns
