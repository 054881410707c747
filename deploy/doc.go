// Package deploy holds the tests of the deployment files at the repository
// root: deploy.sh (run against a stub az) and the Dockerfile's static
// build. It has no code of its own.
package deploy
