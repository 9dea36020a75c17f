// The public library product users' tests import: everything the command line does.
@_exported import Deployment
