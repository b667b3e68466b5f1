Gem::Specification.new do |s|
  s.name = "greeting"
  s.version = "1.2.0"
  s.summary = "Says hello"
  s.authors = ["imgsize"]
  s.files = ["lib/greeting.rb"]
  s.license = "MIT"
end
