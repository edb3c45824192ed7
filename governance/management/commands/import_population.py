"""Import population figures (e.g. ONS Census 2021 usual residents) from CSV; see governance/importers.py."""

from governance.importers import import_population

from .import_areas import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Record areas' populations from a CSV file with columns gss_code, age_band (blank: all ages), population, "
        "year, source. Every bad row is reported with its line number and nothing is written if any row is bad. "
        "The ONS Census 2021 figures for NCL and NEL are governance/data/ons_census_2021_usual_residents.csv."
    )
    importer = staticmethod(import_population)
