from .urls_consultations import urlpatterns as consultation_patterns
from .urls_respond import urlpatterns as respond_patterns

app_name = "engagement"

urlpatterns = consultation_patterns + respond_patterns
